void f(long, long, long, long, long, __int128 big, long last);
