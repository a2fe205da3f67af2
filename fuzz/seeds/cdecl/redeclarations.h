typedef int t; typedef int t; int f(int); int g(void); int f(int n);
