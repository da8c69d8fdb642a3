import Harness
import Papers

print("reproduce: \(registry.count) papers")
