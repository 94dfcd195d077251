import PlumbCore
import PlumbEngine
import XCTest

final class SyncReportTests: XCTestCase {
    func testLinesAsTheSketch() {
        let crd = ObjectRef(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "widgets.acme")
        let web = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "web", name: "web")
        let legacy = ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "web", name: "legacy")
        XCTAssertEqual(SyncReport.validated(count: 18, failed: 0), "validating 18 objects … ok (server dry-run)")
        XCTAssertEqual(SyncReport.validated(count: 0, failed: 0), "validating … nothing to write")
        XCTAssertEqual(
            SyncReport.object(ObjectChange(ref: crd, action: .created), syncWave: 0, health: (.healthy, .milliseconds(400))),
            "wave 0  CustomResourceDefinition widgets.acme  created     established in 0.4s")
        XCTAssertEqual(
            SyncReport.object(ObjectChange(ref: web, action: .configured), syncWave: 1, health: (.healthy, .milliseconds(6100))),
            "wave 1  Deployment web/web                     configured  healthy in 6.1s")
        XCTAssertEqual(
            SyncReport.object(ObjectChange(ref: legacy, action: .pruned), syncWave: 1),
            "wave 1  ConfigMap web/legacy                   pruned")
        let result = ChangeSet(
            [ObjectChange(ref: crd, action: .created), ObjectChange(ref: web, action: .configured)]
                + (0..<13).map { _ in ObjectChange(ref: legacy, action: .unchanged) })
        XCTAssertEqual(SyncReport.summary(result, revision: "3f9c2ab", duration: .milliseconds(7300)),
                       "synced 3f9c2ab in 7.3s: 1 created, 1 configured, 13 unchanged")
    }
}
