# nixosModules.default: the host side of atelier.
{
  imports = [
    ./backup.nix
    ./generated.nix
    ./consistency.nix
  ];
}
