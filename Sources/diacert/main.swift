import DiaCertCLI

await DiaCertMain.run()
