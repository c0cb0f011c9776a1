# Builtins of Nix 2.8 that nixpkgs' lib and real flakes use, each compared
# with nix-instantiate.
let
  drv = derivation {
    name = "hello-2.12";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo $out > $out" ];
    outputs = [ "out" "dev" ];
    flag = true;
    off = false;
    nothing = null;
    count = 3;
    words = [ "a" [ "b" "c" ] 1 ];
  };
  self = { x = 1; y = self; };
in
{
  bits = [ (builtins.bitAnd 12 10) (builtins.bitOr 12 10) (builtins.bitXor 12 10) ];
  rounding = [ (builtins.floor 2.7) (builtins.ceil 2.1) (builtins.floor (-2.5)) (builtins.ceil 3) ];
  compare-versions = map (p: builtins.compareVersions (builtins.elemAt p 0) (builtins.elemAt p 1)) [
    [ "1.0" "2.3" ] [ "2.1" "2.3" ] [ "2.3" "2.3" ] [ "2.5" "2.3" ] [ "3.1" "2.3" ]
    [ "2.3.1" "2.3" ] [ "2.3.1" "2.3a" ] [ "2.3pre1" "2.3" ] [ "2.3pre3" "2.3pre12" ]
    [ "2.3a" "2.3c" ] [ "2.3pre1" "2.3c" ] [ "2.3pre1" "2.3q" ] [ "1.2-rc1" "1.2" ]
  ];
  split-version = builtins.splitVersion "1.2.3-pre4beta.5";
  parse-drv-name = map builtins.parseDrvName [ "hello-2.12" "nix-0.12pre12876" "a-b-c" "noversion" ];
  generic-closure = builtins.genericClosure {
    startSet = [ { key = 1; } ];
    operator = x: if x.key < 5 then [ { key = x.key + 1; } { key = x.key * 2; } ] else [ ];
  };
  group-by = builtins.groupBy (x: if x > 2 then "big" else "small") [ 1 2 3 4 ];
  hashes = map (t: builtins.hashString t "atelier") [ "md5" "sha1" "sha256" "sha512" ];
  from-toml = builtins.fromTOML ''
    title = "x"
    [server]
    ports = [ 80, 443 ]
    ratio = 0.5
    enabled = true
    [[users]]
    name = "a"
  '';
  to-xml = builtins.toXML { a = [ 1 "s" null true 1.5 ]; f = { x, y ? 1, ... }: x; g = z: z; };
  attr-pos = let p = builtins.unsafeGetAttrPos "b" { a = 1; b = 2; }; in [ p.line p.column ];
  attr-pos-missing = builtins.unsafeGetAttrPos "c" { a = 1; };
  to-path = builtins.toPath "/a/./b/../c";
  placeholder = builtins.placeholder "out";
  drv-paths = [ drv.drvPath drv.outPath drv.dev.outPath drv.outputName drv.dev.outputName ];
  drv-name = drv.name;
  drv-equal = drv == drv.out;
  has-context = builtins.hasContext "plain";
  deep-seq-self = builtins.deepSeq self "done";
  has-fnord = builtins ? fnord;
  lang-version = builtins.langVersion;
  drv-structured = (derivation {
    name = "structured";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "true" ];
    __structuredAttrs = true;
    allowedReferences = [ ];
    maxSize = 1234;
    nested = { a = [ 1 "x" null ]; };
  }).outPath;
  drv-ignore-nulls = (derivation {
    name = "nulls";
    system = "x86_64-linux";
    builder = "/bin/sh";
    __ignoreNulls = true;
    gone = null;
  }).drvPath;
  path-plus-path = toString (/a/b + /c/d);
}
