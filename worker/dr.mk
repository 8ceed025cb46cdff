# worker/dr.mk -- dimensionality reduction (worker/libscanndr.a).
# SCANN_DR_LIBS names the library once it has sources.
SCANN_DR_LIBS =
