# ez-configs: a host per entry of nixos-configurations/, the modules of
# nixos-modules/ as `ezModules` (`default` imported unless the host says
# otherwise); a host lists its own services with lib.fileset.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    ez-configs.url = "github:ehllie/ez-configs";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs@{ flake-parts, ez-configs, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      imports = [ ez-configs.flakeModule ];
      systems = [ "x86_64-linux" ];
      ezConfigs = {
        root = ./.;
        globalArgs = { inherit inputs; inherit (inputs) atelier; };
        nixos.hosts.web.importDefault = false;
      };
    };
}
