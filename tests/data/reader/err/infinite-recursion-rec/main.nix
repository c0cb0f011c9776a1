rec {
  a = b;
  b = a;
}.a
