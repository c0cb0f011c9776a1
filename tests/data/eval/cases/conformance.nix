# Values atelier once got wrong, found by Nix's own language tests
# (tests/nix_lang_conformance.rs); each is compared with nix-instantiate.
let
  f = x: x;
in
{
  # `__overrides` in a `rec` set replaces attributes, also where the set
  # refers to them.
  overrides-rec-scope = (rec { __overrides = { a = 2; }; x = a; a = 1; }).x;
  overrides-adds-names = rec { ${"foo"} = "bar"; __overrides = { bar = "qux"; }; };
  overrides-only-in-rec = { __overrides = { a = 2; }; a = 1; };
  # The same function value is equal to itself inside lists and sets ...
  function-in-list-equal = [ f ] == [ f ];
  function-in-set-equal = { inherit f; } == { inherit f; };
  function-nested-equal = { a = [ f ]; } == { a = [ f ]; };
  # ... but not on its own, nor two lambdas written the same.
  function-self-unequal = f == f;
  function-lambdas-unequal = [ (x: x) ] == [ (x: x) ];
  # `.` in POSIX extended regexes matches a newline.
  match-dot-newline = builtins.match "a.b" "a\nb";
  match-dot-newline-group = builtins.match ".*CONFIG=\"([^\"]*)\".*" "x\nCONFIG=\"sim\"\ny";
  split-dot-newline = builtins.split "a.b" "xa\nby";
  # The legacy `let { ...; body = ...; }` is a rec set's `body`.
  legacy-let = let { x = 1; y = x + 1; body = y * 10; };
  # A `let` name written `${"a"}` is static, so Nix allows it.
  let-static-dynamic-name = let ${"a"} = 1; in a;
  # foldl' forces each accumulator it computes, not the initial one.
  foldl-lazy-initial = builtins.foldl' (_: x: x) (throw "never forced") [ 1 2 ];
  # 100,000 calls in tail position, as Nix 2.8 evaluates them.
  tail-calls-100000 = let f = n: if n == 100000 then n else f (n + 1); in f 0;
  tail-calls-through-let-with-assert =
    let f = n: let m = n - 1; in with { }; assert m >= -1; if n == 0 then "done" else f m; in f 100000;
  # A symlink that leads nowhere exists (Nix asks lstat).
  path-exists-broken-symlink = builtins.pathExists ../imports/links/broken;
  path-exists-file-slash = builtins.pathExists (toString ../imports/helper.nix + "/");
  # A relative import in a file reached through a symlinked directory
  # starts from the directory as written, not from where the link leads.
  import-through-symlinked-dir = import ../imports/symlink/foo/overlays/overlay.nix;
}
