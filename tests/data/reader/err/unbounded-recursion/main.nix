let
  count = n: 1 + count (n + 1);
in
count 0
