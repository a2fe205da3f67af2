enum { N = 4 }; struct s { char a[N * 2 + 1]; int m[2][3]; long c[sizeof(int) << 1]; int tail[]; }; void f(struct s *);
