{ lib, inputs }:
name:
{ arch ? "x86_64", class ? "nixos" }:
let
  inherit (inputs) darwin nixpkgs self;
  os = { nixos = "linux"; iso = "linux"; }.${class} or class;
  system = "${arch}-${os}";
  evalHost = if class == "darwin" then darwin.lib.darwinSystem else nixpkgs.lib.nixosSystem;
  inputs' = lib.mapAttrs (_: lib.mapAttrs (_: v: v.${system} or v)) inputs;
in
evalHost {
  specialArgs = { inherit inputs self; };
  modules = [
    "${self}/systems/${name}/default.nix"
    "${self}/modules/${class}/default.nix"
    {
      key = "dotfiles#specialArgs";
      _file = "${__curPos.file}";
      _module.args = { inherit inputs'; self' = inputs'.self; };
    }
    { networking.hostName = name; nixpkgs.hostPlatform = system; }
  ];
}
