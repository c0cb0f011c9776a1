{ nodes, ... }:
{
  imports = [ nodes.web.module ];
}
