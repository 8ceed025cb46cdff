# tests/local.mk -- what every test shares: the bundled data and helpers.
# Each module's own fragment lists its tests/check_<module> programs.
EXTRA_DIST += tests/tsan/openblas_handoff.c \
	tests/data/satellite.csv tests/data/dna.csv tests/data/iris.csv \
	tests/data/vehicle.csv tests/data/wine.csv tests/data/README
