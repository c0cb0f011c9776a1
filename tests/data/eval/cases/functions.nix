# Lambdas, patterns, defaults, @-bindings, currying, application.
let
  add = a: b: a + b;
  pat = { a, b ? 10, ... }: a + b;
  strict = { a, b }: [ a b ];
  defaults-ref = { a, b ? a * 2 }: b;
  at-before = args@{ a, ... }: [ a (builtins.attrNames args) ];
  at-after = { a, ... }@args: args.b or "none";
  nested-default = { cfg ? { dataDir = "/var/lib/x"; } }: cfg.dataDir;
  apply-twice = f: x: f (f x);
in
{
  curry = add 1 2;
  partial = let inc = add 1; in inc 41;
  pattern-default = pat { a = 1; };
  pattern-override = pat { a = 1; b = 2; };
  pattern-extra-ellipsis = pat { a = 1; c = 3; };
  pattern-strict = strict { a = 1; b = 2; };
  default-refers-to-other = defaults-ref { a = 4; };
  at-binding-before = at-before { a = 1; z = 2; };
  at-binding-after = at-after { a = 1; b = "bee"; };
  at-binding-after-missing = at-after { a = 1; };
  default-set = nested-default { };
  higher-order = apply-twice (x: x * 3) 2;
  immediately-applied = (x: x + 1) 1;
  returns-function = ((a: b: a - b) 10) 3;
  lambda-in-list = map (f: f 2) [ (x: x + 1) (x: x * x) ];
  lambda-in-set = { f = x: "got ${x}"; }.f "it";
  closure-captures = let mk = n: (m: n + m); in (mk 10) 5;
  pattern-empty = ({ }: "empty") { };
  pattern-only-ellipsis = ({ ... }: "any") { a = 1; };
  default-not-evaluated-when-given = ({ a ? throw "no" }: a) { a = "given"; };
  functor = let s = { __functor = self: x: x + self.n; n = 10; }; in s 5;
  recursion-through-set = let s = { f = n: if n == 0 then 0 else n + s.f (n - 1); }; in s.f 10;
  args-as-module = ({ config, lib ? null, ... }: config.value) { config.value = "cfg"; pkgs = null; };
}
