# Attribute sets: nested keys, rec, inherit, dynamic keys, select, or, ?.
let
  src = { a = 1; b = 2; c = { d = 3; }; };
  key = "dyn";
  a = "outer-a";
in
{
  nested-keys = { a.b.c = 1; a.b.d = 2; a.e = 3; };
  nested-merge-literal = { a = { x = 1; }; a.y = 2; };
  nested-merge-two-literals = { a = { x = 1; }; a = { y = 2; }; };
  rec-basic = rec { x = 1; y = x + 1; z = y * 10; };
  rec-nested-ref = rec { base = "/var"; dirs = { data = "${base}/data"; }; };
  rec-order-independent = rec { z = y + 1; y = x + 1; x = 1; };
  inherit-plain = { inherit a; };
  inherit-from = { inherit (src) a b; };
  inherit-from-nested = { inherit (src.c) d; };
  inherit-in-rec-uses-outer = rec { inherit a; b = a; };
  inherit-from-in-rec = rec { s = { p = 5; }; inherit (s) p; q = p + 1; };
  dynamic-key = { ${key} = 1; };
  dynamic-key-string = { "${key}-suffix" = 2; };
  dynamic-key-null-skipped = { ${null} = 1; b = 2; };
  quoted-key = { "with space" = 1; "a.b" = 2; };
  select-quoted = { "a.b" = 3; }."a.b";
  select-nested = src.c.d;
  select-dynamic = src.${"a"};
  select-or-present = src.a or 99;
  select-or-missing = src.zz or 99;
  select-or-deep = src.c.zz.yy or "deep-default";
  select-or-not-a-set = src.a.b or "not-a-set";
  has-attr = src ? a;
  # `?` does not force the value it finds: an attribute may test itself
  # (nixpkgs' mergeOptionDecls on flake-parts' `processedFlake.apply`).
  has-attr-not-forced = let r = { loc = 1; apply = if r ? apply then r.loc else 0; }; in r.apply;
  has-attr-nested-not-forced = let r = { a.b = if r ? a.b then 2 else 0; }; in r.a.b;
  has-attr-missing = src ? zz;
  has-attr-nested = src ? c.d;
  has-attr-nested-missing = src ? c.e;
  has-attr-dynamic = src ? ${"b"};
  has-attr-on-non-set = 1 ? a;
  attr-names-sorted = builtins.attrNames { b = 1; a = 2; C = 3; "_x" = 4; };
  set-in-list = [ { a = 1; } { b = 2; } ];
  deep = { a.b.c.d.e.f = "deep"; };
  rec-self-in-nested = rec { name = "app"; cfg.dataDir = "/var/lib/${name}"; };
}
