/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in "default" policy, attached to every non-root token unless the
 * token is created with no_default_policy.  It holds what Vault's default
 * policy grants: a token may look itself up, renew and revoke itself, ask for
 * its own capabilities, manage leases it holds, use its cubbyhole, use
 * response wrapping, check control-group requests and hash data.  Vault's
 * identity-templated paths (identity/entity/id/{{...}}) and the OIDC provider
 * authorize endpoint are left out: writ has no policy templating, and its
 * OAuth/OIDC endpoints are governed by Rego policies instead.
 */
#include "writ/acl.h"

static const char default_policy[] =
    "# Tokens may look up their own properties.\n"
    "path \"auth/token/lookup-self\" {\n"
    "    capabilities = [\"read\"]\n"
    "}\n"
    "\n"
    "# Tokens may renew themselves.\n"
    "path \"auth/token/renew-self\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "\n"
    "# Tokens may revoke themselves.\n"
    "path \"auth/token/revoke-self\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "\n"
    "# A token may ask which capabilities it holds on a path.\n"
    "path \"sys/capabilities-self\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "\n"
    "# A token may read the ACL that results from its policies (used by UIs).\n"
    "path \"sys/internal/ui/resultant-acl\" {\n"
    "    capabilities = [\"read\"]\n"
    "}\n"
    "\n"
    "# Renewing a lease by lease_id in the body: the current path and the old one.\n"
    "path \"sys/leases/renew\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "path \"sys/renew\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "\n"
    "# Looking up the properties of a lease by lease_id in the body.\n"
    "path \"sys/leases/lookup\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "\n"
    "# Every token owns a private cubbyhole.\n"
    "path \"cubbyhole/*\" {\n"
    "    capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"]\n"
    "}\n"
    "\n"
    "# Response wrapping: wrap any value, look up a wrapping token, unwrap it.\n"
    "path \"sys/wrapping/wrap\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "path \"sys/wrapping/lookup\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "path \"sys/wrapping/unwrap\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "\n"
    "# General purpose hashing.\n"
    "path \"sys/tools/hash\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "path \"sys/tools/hash/*\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n"
    "\n"
    "# A token holding the accessor of a control-group request may check its status.\n"
    "path \"sys/control-group/request\" {\n"
    "    capabilities = [\"update\"]\n"
    "}\n";

const char *
writ_acl_default_policy_text(void)
{
	return default_policy;
}
