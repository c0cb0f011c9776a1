# The data path comes from a real `lib.evalModules` (an option default
# overridden by `mkForce` over a plain definition) and from functions only
# nixpkgs' real lib has (`lib.trivial.release` reads lib/.version,
# `lib.strings.toSentenceCase`): planned only when nixpkgs' source is given
# (--override-input, the store, --fetch-inputs).
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }:
    let
      lib = nixpkgs.lib;
      settings = (lib.evalModules {
        modules = [
          { options.dataDir = lib.mkOption { type = lib.types.str; default = "/var/lib/chat"; }; }
          { dataDir = "/ignored"; }
          { dataDir = lib.mkForce "/srv/chat-${lib.trivial.release}-${lib.strings.toSentenceCase "abc"}"; }
        ];
      }).config;
    in
    {
      nixosConfigurations.box = lib.nixosSystem {
        specialArgs = { inherit atelier settings; };
        modules = [ ./box.nix ];
      };
    };
}
