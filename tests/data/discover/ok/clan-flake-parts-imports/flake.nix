# clan-core's flake module in flake-parts, without its source: `clan` is a
# submodule, each definition a clan module, so its `imports` are read (a
# path module, a function of the clan's `config`) and a definition may be a
# function itself (`flake.clan = { lib, ... }: { ... }`). Hosts: nas
# (`machines/nas`, tagged in an imported inventory) and router (an
# imported module's `machines.<routerName>`, a module argument the function
# sets).
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-parts.url = "github:hercules-ci/flake-parts";
    clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs@{ flake-parts, clan-core, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      imports = [ clan-core.flakeModules.default ];
      clan = {
        meta.name = "home";
        imports = [ ./clan/inventory.nix ./clan/router.nix ];
      };
      flake.clan = { lib, ... }: {
        specialArgs = { inherit (inputs) atelier; };
        _module.args.routerName = "router";
      };
    };
}
