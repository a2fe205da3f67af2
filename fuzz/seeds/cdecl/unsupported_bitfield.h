struct s { int x : 3; }; int f(struct s);
