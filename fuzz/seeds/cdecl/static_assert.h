_Static_assert(sizeof(long) == 8, "LP64"); struct s { _Static_assert(1); int x; }; int f(struct s);
