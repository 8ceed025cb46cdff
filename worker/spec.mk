# worker/spec.mk -- the job spec validator, shared by scann-worker and scannd.
worker_libscann_a_SOURCES += worker/spec.c worker/spec.h
