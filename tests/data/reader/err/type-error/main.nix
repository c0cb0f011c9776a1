{
  n = 1 + "two";
}.n
