long double _Complex f(double _Complex z, float _Complex w, _Complex long double x);
