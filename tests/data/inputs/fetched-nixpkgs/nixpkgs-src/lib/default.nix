# The shape of nixpkgs' lib that atelier-gen uses: `extend`.
let
  lib = {
    dataDir = name: "/srv/${lib.release}/${name}";
    release = builtins.readFile ./.version;
    extend = f: let final = lib // f final lib; in final;
  };
in
lib
