#define PACKAGE_VERSION "fuzz"
