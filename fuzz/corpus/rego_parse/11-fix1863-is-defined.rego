package a.b

# this module is empty
