# The host is built by `nixosSystem` of nixpkgs' lib extended by the flake:
# its modules (and their submodules) get that lib as `lib`, as NixOS gives
# them: `lib.site` is the flake's extension; `lib.strings.getVersion` and
# `lib.strings.concatImapStringsSep` (the built-in lib has them too).
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }:
    let
      lib = nixpkgs.lib.extend (final: prev: { site.root = "/srv"; });
    in
    {
      nixosConfigurations.box = lib.nixosSystem {
        specialArgs = { inherit atelier; };
        modules = [ ./box.nix ];
      };
    };
}
