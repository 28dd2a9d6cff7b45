import ConformanceRunner

ConformanceMain.run()
