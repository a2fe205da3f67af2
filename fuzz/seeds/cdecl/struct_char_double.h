struct s { char c; double d; }; double f(struct s x, int n);
