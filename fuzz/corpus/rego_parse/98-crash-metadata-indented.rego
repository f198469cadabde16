# METADATueA
# 
# METACAT	
# title: Testing annotations
#ge testing

 #METADATA
# title: Testing annotations
# authorsfa:go.metadata.chaiz()buins
package testing

# METADATA
# title: Testing annotatiotors