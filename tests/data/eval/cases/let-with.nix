# let, with, and the rule that with-scoped names never shadow lexical ones.
let
  x = "lexical";
  set = { x = "from-with"; y = "only-in-with"; z = 1; };
in
{
  let-basic = let a = 1; b = 2; in a + b;
  let-recursive = let a = b + 1; b = 2; in a;
  let-shadow = let x = "inner"; in x;
  let-nested = let a = 1; in let a = 2; b = a; in b;
  let-inherit = let inherit (set) y z; in [ y z ];
  let-inherit-outer = let inherit x; in x;
  let-function = let f = n: n * 2; in f 21;
  let-fib = let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 15;
  with-basic = with set; y;
  with-no-shadow-lexical = with set; x;
  with-nested-inner-wins = with { a = 1; }; with { a = 2; }; a;
  with-outer-fallback = with { a = 1; b = "outer"; }; with { a = 2; }; b;
  with-lexical-from-let-inside = with set; let x = "let-inside"; in x;
  with-function-param-wins = (x: with set; x) "param";
  with-list = with set; [ y z ];
  with-builtins = with builtins; length [ 1 2 3 ];
  with-rec = with rec { p = 1; q = p + 1; }; q;
  with-lazy-namespace = with (throw "never forced"); "unused";
  with-attr-of-lexical = with { set = { x = "shadow"; }; }; set.x;
  let-unused-throw = let bad = throw "unused"; in "fine";
  let-lazy-cycle-unused = let a = b; b = a; in "ok";
}
