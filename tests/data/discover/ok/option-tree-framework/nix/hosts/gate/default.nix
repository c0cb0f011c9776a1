{ inputs, ... }:
{
  system = "x86_64-linux";
  modules = [ { networking.hostName = "gate"; } ];
}
