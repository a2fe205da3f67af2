int f(int) __attribute__((ms_abi));
