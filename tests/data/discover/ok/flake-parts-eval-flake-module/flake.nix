# flake-parts' `lib.evalFlakeModule`, called by the flake itself as
# frameworks built on flake-parts do (stepbrobd/dotfiles' autopilot): the
# outputs are the evaluation's `config.flake`; `config` is the merged
# configuration (`systems`, an option of the flake's own).
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    parts.url = "github:hercules-ci/flake-parts";
    parts.inputs.nixpkgs-lib.follows = "nixpkgs";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs@{ parts, nixpkgs, atelier, ... }:
    let
      # As stepbrobd/autopilot merges them: flake-parts' lib names are
      # known, so nixpkgs' functions stay (`mapAttrs` below).
      lib = nixpkgs.lib // parts.lib;
      eval = lib.evalFlakeModule { inherit inputs; } ({ config, ... }: {
        options.hosts = lib.mkOption { type = lib.types.attrsOf lib.types.str; default = { }; };
        config = {
          systems = [ "x86_64-linux" ];
          hosts.box = "x86_64-linux";
          flake.nixosConfigurations = lib.mapAttrs
            (name: system: nixpkgs.lib.nixosSystem {
              inherit system;
              specialArgs = { inherit atelier; };
              modules = [ atelier.nixosModules.default ./host.nix { networking.hostName = name; } ];
            })
            config.hosts;
        };
      });
    in
    eval.config.flake // { systemsSeen = eval.config.systems; };
}
