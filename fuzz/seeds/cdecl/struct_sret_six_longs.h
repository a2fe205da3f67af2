struct big { long a, b, c; }; struct big f(long, long, long, long, long, long);
