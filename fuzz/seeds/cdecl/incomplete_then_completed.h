struct s; void f(struct s *p); struct s *g(void); void h(struct s x); struct s { int a; }; struct s k(struct s);
