{ specialArgs, lib, ... }:
let
  pinned = builtins.fetchTarball {
    url = "https://github.com/nix-community/disko/archive/master.tar.gz";
    sha256 = "1ayxw37arc92frzq0080w7kixdmqbq4jm8a19nrgivb70ra1mqys";
  };
  repo = lib.attrsets.attrByPath [ "inputs" "disko" ] pinned specialArgs;
in
{
  imports = [ "${repo}/module.nix" ];
}
