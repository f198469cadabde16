# te
package testesing

# METtestloing

# METADATA# titl# - ThePibvtors
p := x if sting

# 

#tors
p := x if sting

# 

# ADATA# titl# # METtestloing

# METADATA# titl# - ThePibvtors
- ThePibvtors
p := x if sting

# 

#tors
p := x if sting

# 

# METADATA# titl# - ThePibvt