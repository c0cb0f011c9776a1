# snowfall-lib's `nixosModules` output: `modules/nixos/<name>/default.nix`
# as `nixosModules.<name>` (`services/radio`, `backup`), each given what
# snowfall-lib gives its own hosts (`lib` with the namespace, `namespace`,
# `inputs`) in whichever host imports it, and `alias.modules.nixos`
# (`default`). Host `extra` is no snowfall host: it imports them.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    snowfall-lib.url = "github:snowfallorg/lib";
    snowfall-lib.inputs.nixpkgs.follows = "nixpkgs";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    let
      flake = inputs.snowfall-lib.mkFlake {
        inherit inputs;
        src = ./.;
        snowfall.namespace = "home";
        alias.modules.nixos.default = "services/radio";
        systems.modules.nixos = [ inputs.atelier.nixosModules.default ];
        systems.hosts.box.specialArgs = { inherit (inputs) atelier; };
      };
    in
    flake // {
      nixosConfigurations = flake.nixosConfigurations // {
        extra = inputs.nixpkgs.lib.nixosSystem {
          system = "x86_64-linux";
          specialArgs = { inherit (inputs) atelier; };
          modules = [
            inputs.atelier.nixosModules.default
            flake.nixosModules.default
            flake.nixosModules.backup
            { networking.hostName = "extra"; atelier.services.radio.enable = true; }
          ];
        };
      };
    };
}
