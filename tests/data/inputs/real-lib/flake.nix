# The data path is built by functions only nixpkgs' real lib has
# (`lib.trivial.release` reads lib/.version, `lib.strings.toSentenceCase`):
# planned only when nixpkgs' source is given (--override-input, the store,
# --fetch-inputs).
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }:
    let
      lib = nixpkgs.lib;
      settings.dataDir = "/srv/chat-${lib.trivial.release}-${lib.strings.toSentenceCase "abc"}";
    in
    {
      nixosConfigurations.box = lib.nixosSystem {
        specialArgs = { inherit atelier settings; };
        modules = [ ./box.nix ];
      };
    };
}
