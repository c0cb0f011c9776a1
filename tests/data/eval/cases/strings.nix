# Double-quoted strings: escapes and interpolation.
let
  name = "world";
  n = 3;
  inner = "in";
in
{
  escape-newline = "a\nb";
  escape-tab = "a\tb";
  escape-cr = "a\rb";
  escape-quote = "say \"hi\"";
  escape-backslash = "back\\slash";
  escape-dollar = "\${not interpolated}";
  escape-other = "\a\q\z";
  dollar-alone = "cost: $5";
  dollar-dollar = "$$";
  dollar-end = "ends with $";
  interpolation = "hello ${name}!";
  interpolation-expr = "n+1 = ${toString (n + 1)}";
  nested-interpolation = "a${"b${"c${inner}d"}e"}f";
  interpolation-adjacent = "${name}${name}";
  interpolation-only = "${name}";
  interpolation-in-key = { "${name}" = 1; }.world;
  multiline-dq = "line1
line2";
  concat = "a" + "b" + "c";
  concat-interp = "x" + "${name}";
  string-with-braces = "{ not a set }";
  escaped-interp-then-real = "\${a} ${name}";
}
