# if/then/else, assert, laziness.
let
  cond = true;
in
{
  if-true = if cond then "yes" else "no";
  if-false = if !cond then "yes" else "no";
  if-nested = if false then 1 else if true then 2 else 3;
  if-in-string = "mode: ${if cond then "on" else "off"}";
  if-in-list = [ (if cond then 1 else 2) ];
  assert-passes = assert cond; "body";
  assert-with-expr = assert builtins.isString "x" && cond; 1;
  lazy-list-element = builtins.head [ 1 (throw "lazy") ];
  lazy-attr = { good = 1; bad = throw "lazy"; }.good;
  lazy-default = { a = 1; }.a or (throw "not needed");
  lazy-if-branch = if true then 1 else throw "no";
}
