{ moduleWithSystem, ... }:
{
  flake.nixosModules.base = moduleWithSystem ({ system }: { atelier, ... }: {
    imports = [ atelier.nixosModules.default ];
  });
}
