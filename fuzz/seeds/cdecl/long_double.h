long double f(long double x, int n);
