# Literals and simple values.
{
  int = 42;
  negative-int = -7;
  zero = 0;
  float = 1.5;
  float-small = 0.25;
  null-value = null;
  true-value = true;
  false-value = false;
  uri = http://example.org/foo?bar=1;
  empty-list = [ ];
  empty-set = { };
  list-mixed = [ 1 "two" null true [ 3 ] { four = 4; } ];
  nested-lists = [ [ ] [ [ ] ] [ 1 [ 2 [ 3 ] ] ] ];
  string-plain = "hello";
  string-empty = "";
  unicode = "grüße, 東京 ✓";
}
