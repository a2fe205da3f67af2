int é;
