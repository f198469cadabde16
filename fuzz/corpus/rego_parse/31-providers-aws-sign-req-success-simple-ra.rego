package test

req := {"method": "get", "url": "http://example.com", "raw_body": "{\"example\": {1, 2, 3, 4}}"}

aws_config := {"aws_access_key": "MYAWSACCESSKEYGOESHERE", "aws_secret_access_key": "MYAWSSECRETACCESSKEYGOESHERE", "aws_service": "s3", "aws_region": "us-east-1"}

expected := {
	"headers": {
		"Authorization": "AWS4-HMAC-SHA256 Credential=MYAWSACCESSKEYGOESHERE/20151228/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=5bf26e169cb8b02330dba39d53932532438fc856c2f10537689a09ed807c7195",
		"host": "example.com",
		"x-amz-content-sha256": "22906461e2a98a3e780d0fd260e341bed5e544661e97c5936fc7f3af11aaad8b",
		"x-amz-date": "20151228T140825Z",
	},
	"method": "get",
	"raw_body": "{\"example\": {1, 2, 3, 4}}",
	"url": "http://example.com",
}

p if {
	providers.aws.sign_req(req, aws_config, 1451311705000000000) == expected
}
