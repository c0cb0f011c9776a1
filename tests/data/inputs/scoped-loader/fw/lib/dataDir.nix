# `fwName` comes from the scope scopedImport gives.
name: "/srv/${fwName}/${name}"
