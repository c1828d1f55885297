// storm.thrift: the part of Apache Storm's Nimbus wire protocol that stormpy
// speaks, written for stormpy from the field ids and types of Storm's own IDL
// (storm-core/src/storm.thrift before 2.0, storm-client/src/storm.thrift
// since).
//
// One client has to read replies from Nimbus 0.9.3 through 2.8, so:
//   - every field that some version in that range leaves out is `optional`
//     here, because the Go reader rejects a reply that lacks a `required`
//     field; a field that is absent in our IDL is simply skipped on read;
//   - structs that stormpy sends keep Storm's `required` markers, because
//     Nimbus validates them when it reads our request;
//   - fields stormpy has no use for are left out; the reader skips them.
//
// Regenerate the Go code with `make thrift` (scripts/gen-thrift).

namespace go stormthrift

// ---- Topology: what submitTopology carries --------------------------------

union JavaObjectArg {
  1: i32 int_arg
  2: i64 long_arg
  3: string string_arg
  4: bool bool_arg
  5: binary binary_arg
  6: double double_arg
}

// A Java object that Nimbus' workers build by reflection from scalar
// arguments, so stormpy never has to produce Java serialization.
struct JavaObject {
  1: required string full_class_name
  2: required list<JavaObjectArg> args_list
}

struct NullStruct {
}

struct GlobalStreamId {
  1: required string componentId
  2: required string streamId
}

// Exactly one member is set. An empty `fields` list is the global grouping.
union Grouping {
  1: list<string> fields
  2: NullStruct shuffle
  3: NullStruct all
  4: NullStruct none
  5: NullStruct direct
  6: JavaObject custom_object
  7: binary custom_serialized
  8: NullStruct local_or_shuffle
}

struct StreamInfo {
  1: required list<string> output_fields
  2: required bool direct
}

// Storm runs a shell component as the two-element command
// [execution_command, script], without a shell.
struct ShellComponent {
  1: string execution_command
  2: string script
}

union ComponentObject {
  1: binary serialized_java
  2: ShellComponent shell
  3: JavaObject java_object
}

struct ComponentCommon {
  1: required map<GlobalStreamId, Grouping> inputs
  2: required map<string, StreamInfo> streams
  3: optional i32 parallelism_hint
  // Per-component configuration as a JSON object.
  4: optional string json_conf
}

struct SpoutSpec {
  1: required ComponentObject spout_object
  2: required ComponentCommon common
}

struct Bolt {
  1: required ComponentObject bolt_object
  2: required ComponentCommon common
}

struct StateSpoutSpec {
  1: required ComponentObject state_spout_object
  2: required ComponentCommon common
}

struct StormTopology {
  1: required map<string, SpoutSpec> spouts
  2: required map<string, Bolt> bolts
  // Required on the wire by every version; always empty for stormpy.
  3: required map<string, StateSpoutSpec> state_spouts
  // 1.0+.
  4: optional list<binary> worker_hooks
  // 1.1+.
  5: optional list<string> dependency_jars
  6: optional list<string> dependency_artifacts
  // 1.2+. Left unset: on 2.x an unset version means "Nimbus' own", while a
  // set one must match a classpath the cluster has configured.
  7: optional string storm_version
  8: optional string jdk_version
}

// ---- Exceptions -------------------------------------------------------------

exception AlreadyAliveException {
  1: required string msg
}

exception NotAliveException {
  1: required string msg
}

exception AuthorizationException {
  1: required string msg
}

exception InvalidTopologyException {
  1: required string msg
}

// ---- Options ----------------------------------------------------------------

enum TopologyInitialStatus {
  ACTIVE = 1
  INACTIVE = 2
}

struct Credentials {
  1: required map<string, string> creds
}

struct SubmitOptions {
  1: required TopologyInitialStatus initial_status
  2: optional Credentials creds
}

struct KillOptions {
  1: optional i32 wait_secs
}

struct RebalanceOptions {
  1: optional i32 wait_secs
  2: optional i32 num_workers
  3: optional map<string, i32> num_executors
}

// ---- Cluster and topology state ----------------------------------------------

struct TopologySummary {
  1: required string id
  2: required string name
  3: required i32 num_tasks
  4: required i32 num_executors
  5: required i32 num_workers
  6: required i32 uptime_secs
  7: required string status
  // 1.2+.
  8: optional string storm_version
  // 0.10+.
  513: optional string sched_status
  514: optional string owner
}

struct SupervisorSummary {
  1: required string host
  2: required i32 uptime_secs
  3: required i32 num_workers
  4: required i32 num_used_workers
  5: optional string supervisor_id
  6: optional string version
}

// 1.0+.
struct NimbusSummary {
  1: required string host
  2: required i32 port
  3: required i32 uptime_secs
  4: required bool isLeader
  5: required string version
}

struct ClusterSummary {
  1: required list<SupervisorSummary> supervisors
  // Required before 1.0, optional in 1.x, gone in 2.x.
  2: optional i32 nimbus_uptime_secs
  3: required list<TopologySummary> topologies
  // Required since 1.0, absent before.
  4: optional list<NimbusSummary> nimbuses
}

struct ErrorInfo {
  1: required string error
  2: required i32 error_time_secs
  // 0.10+.
  3: optional string host
  4: optional i32 port
}

// Stats maps go window (":all-time", "600", ...) -> stream or input -> value.
struct BoltStats {
  1: required map<string, map<GlobalStreamId, i64>> acked
  2: required map<string, map<GlobalStreamId, i64>> failed
  3: required map<string, map<GlobalStreamId, double>> process_ms_avg
  4: optional map<string, map<GlobalStreamId, i64>> executed
  5: optional map<string, map<GlobalStreamId, double>> execute_ms_avg
}

struct SpoutStats {
  1: required map<string, map<string, i64>> acked
  2: required map<string, map<string, i64>> failed
  3: required map<string, map<string, double>> complete_ms_avg
}

union ExecutorSpecificStats {
  1: BoltStats bolt
  2: SpoutStats spout
}

struct ExecutorStats {
  1: required map<string, map<string, i64>> emitted
  2: required map<string, map<string, i64>> transferred
  3: required ExecutorSpecificStats specific
  // Required since 0.10, absent in 0.9.
  4: optional double rate
}

struct ExecutorInfo {
  1: required i32 task_start
  2: required i32 task_end
}

struct ExecutorSummary {
  1: required ExecutorInfo executor_info
  2: required string component_id
  3: required string host
  4: required i32 port
  5: required i32 uptime_secs
  // Unset until the executor's first heartbeat.
  7: optional ExecutorStats stats
}

struct TopologyInfo {
  1: required string id
  2: required string name
  3: required i32 uptime_secs
  4: required list<ExecutorSummary> executors
  5: required string status
  // Component id -> its recent errors.
  6: required map<string, list<ErrorInfo>> errors
  // 1.2+.
  8: optional string storm_version
  // 0.10+.
  513: optional string sched_status
  514: optional string owner
}

// ---- The service ----------------------------------------------------------------

// Methods marked with a version exist only from that version on; older
// servers answer them with TApplicationException UNKNOWN_METHOD. Before
// 0.10 no method declares AuthorizationException; an undeclared exception
// field is simply never set.
service Nimbus {
  void submitTopology(1: string name, 2: string uploadedJarLocation, 3: string jsonConf, 4: StormTopology topology)
    throws (1: AlreadyAliveException e, 2: InvalidTopologyException ite, 3: AuthorizationException aze)
  void submitTopologyWithOpts(1: string name, 2: string uploadedJarLocation, 3: string jsonConf, 4: StormTopology topology, 5: SubmitOptions options)
    throws (1: AlreadyAliveException e, 2: InvalidTopologyException ite, 3: AuthorizationException aze)
  void killTopology(1: string name)
    throws (1: NotAliveException e, 2: AuthorizationException aze)
  void killTopologyWithOpts(1: string name, 2: KillOptions options)
    throws (1: NotAliveException e, 2: AuthorizationException aze)
  void activate(1: string name)
    throws (1: NotAliveException e, 2: AuthorizationException aze)
  void deactivate(1: string name)
    throws (1: NotAliveException e, 2: AuthorizationException aze)
  void rebalance(1: string name, 2: RebalanceOptions options)
    throws (1: NotAliveException e, 2: InvalidTopologyException ite, 3: AuthorizationException aze)

  // The jar upload: the returned location names the upload in the calls
  // that follow and in submitTopology.
  string beginFileUpload() throws (1: AuthorizationException aze)
  void uploadChunk(1: string location, 2: binary chunk) throws (1: AuthorizationException aze)
  void finishFileUpload(1: string location) throws (1: AuthorizationException aze)

  // Nimbus' configuration as a JSON object.
  string getNimbusConf() throws (1: AuthorizationException aze)
  ClusterSummary getClusterInfo() throws (1: AuthorizationException aze)
  // 1.1+.
  NimbusSummary getLeader() throws (1: AuthorizationException aze)
  // 1.1+.
  bool isTopologyNameAllowed(1: string name) throws (1: AuthorizationException aze)
  // Takes the topology id, not its name.
  TopologyInfo getTopologyInfo(1: string id)
    throws (1: NotAliveException e, 2: AuthorizationException aze)
  // The topology's configuration as a JSON object; takes the id.
  string getTopologyConf(1: string id)
    throws (1: NotAliveException e, 2: AuthorizationException aze)
}
