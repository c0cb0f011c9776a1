# `lib.path` against nixpkgs' (ATELIER_NIXPKGS_LIB).
{ lib }:
let
  p = lib.path;
  fails = v: !(builtins.tryEval v).success;
in
{
  append = toString (p.append /srv/data "./a//b/./c/");
  append-dot = toString (p.append /srv "./.");
  append-errors = map fails [ (p.append /srv "../x") (p.append /srv "/abs") (p.append /srv "") (p.append "/srv" "a") ];
  has-prefix = [ (p.hasPrefix /srv /srv/a/b) (p.hasPrefix /srv/a /srv/ab) (p.hasPrefix /. /srv) (p.hasPrefix /srv/a /srv) (p.hasPrefix /srv /srv) ];
  remove-prefix = [ (p.removePrefix /srv /srv/a/b) (p.removePrefix /srv /srv) (p.removePrefix /. /srv/x) ];
  remove-prefix-error = fails (p.removePrefix /srv/a /srv/b);
  split-root = [ (toString (p.splitRoot /srv/a/b).root) (p.splitRoot /srv/a/b).subpath (p.splitRoot /.).subpath ];
  is-valid = map p.subpath.isValid [ "a" "./a/b" "" "/a" "a/../b" ".." "a/..b" "..a" 1 ];
  join = [ (p.subpath.join [ "a" "./b/" "c/./d" ]) (p.subpath.join [ ]) (p.subpath.join [ "." "./." ]) ];
  join-error = fails (p.subpath.join [ "a" "../b" ]);
  components = [ (p.subpath.components "./a//b/./c/") (p.subpath.components ".") ];
  normalise = map p.subpath.normalise [ "a" "./a//b/" "." "a/./b/." "./." ];
}
