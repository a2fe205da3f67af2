double pow(double, double);
