# Edge cases found while reading Nix's lexer and evaluator.
let
  x = "X";
in
{
  to-string-float = toString 1.5;
  to-string-float-small = toString 0.1;
  float-arith = 0.1 + 0.2;
  float-div = 1.0 / 3;
  float-json = [ 1.0 2.5 (-0.5) 1.0e3 ];
  int-div-float = 1 / 2.0;
  indented-cr-escape = ''a''\rb'';
  indented-escaped-space-keeps-indent = ''
    ''\ x
    y
  '';
  indented-interp-only-line = ''
      ${x}
    z
  '';
  indented-dollar-quote = ''$'';
  indented-trailing-interp = ''
    a ${x}'';
  dq-dollar-before-interp = "$${x}";
  dq-backslash-dollar-brace = "\${x} and \\${x}";
  nested-indented-in-dq = "a ${''b ${x}''}";
  attr-with-or-default-dynamic = { a = 1; }.${"b"} or "dflt";
  let-in-attr-key = let k = "key"; in { ${k} = 1; "${k}2" = 2; };
  rec-with-inherit-from = rec { src = { p = 1; }; inherit (src) p; q = p + 1; };
  list-of-functions-applied = builtins.map (f: f 1) [ (x: x) (x: x + 1) ];
  string-compare-unicode = "ä" < "z";
  concat-strings-sep-ints = builtins.concatStringsSep "," (map toString [ 1 2 3 ]);
  sort-strings = builtins.sort builtins.lessThan [ "b" "a" "C" ];
  elem-deep = builtins.elem { a = [ 1 ]; } [ { a = [ 1 ]; } ];
  has-attr-or-chain = ({ a.b = null; }.a.b or "x");
  update-empty = { } // { } // { a = 1; };
  with-in-function-default = ({ a ? with { b = 2; }; b }: a) { };
  recursive-let-function = let even = n: if n == 0 then true else odd (n - 1); odd = n: if n == 0 then false else even (n - 1); in [ (even 10) (odd 7) ];
  shadowed-builtin = let toString = x: "mine"; in toString 1;
  shadowed-true = let true = false; in true;
  path-in-list-to-string = map (p: baseNameOf (toString p)) [ ./edge.nix ../imports ];
  deep-update-chain = (({ a = 1; } // { b = 2; }) // { c = 3; }).a;
  numeric-string-keys = { "1" = "one"; "10" = "ten"; "2" = "two"; };
}
