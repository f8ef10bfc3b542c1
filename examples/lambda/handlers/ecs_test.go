package handlers

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// ecsServer is a local Amazon ECS endpoint speaking the JSON 1.1 protocol
// for RunTask: it records the requests, starts one task per new
// clientToken (a repeated token returns the task it started, as ECS does)
// and can be told to fail.
type ecsServer struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []ecsRunTask
	byToken  map[string]string
	failNext []ecsFault
	noTasks  int // next calls start nothing and report a failure
}

type ecsFault struct {
	Code   string
	Status int
}

// ecsRunTask is the part of a RunTask request the tests look at.
type ecsRunTask struct {
	Cluster              string `json:"cluster"`
	TaskDefinition       string `json:"taskDefinition"`
	Count                int    `json:"count"`
	LaunchType           string `json:"launchType"`
	ClientToken          string `json:"clientToken"`
	StartedBy            string `json:"startedBy"`
	NetworkConfiguration struct {
		AwsvpcConfiguration struct {
			Subnets        []string `json:"subnets"`
			SecurityGroups []string `json:"securityGroups"`
			AssignPublicIP string   `json:"assignPublicIp"`
		} `json:"awsvpcConfiguration"`
	} `json:"networkConfiguration"`
	Overrides struct {
		ContainerOverrides []struct {
			Name        string `json:"name"`
			Environment []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"environment"`
		} `json:"containerOverrides"`
	} `json:"overrides"`
}

// env returns the first container override's environment as a map.
func (r ecsRunTask) env() map[string]string {
	out := map[string]string{}
	for _, c := range r.Overrides.ContainerOverrides {
		for _, e := range c.Environment {
			out[e.Name] = e.Value
		}
	}
	return out
}

func newECSServer(t *testing.T) *ecsServer {
	s := &ecsServer{byToken: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *ecsServer) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if got := r.Header.Get("X-Amz-Target"); got != "AmazonEC2ContainerServiceV20141113.RunTask" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"InvalidAction","message":"unexpected target %q"}`, got)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req ecsRunTask
	if err := json.Unmarshal(body, &req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"SerializationException","message":%q}`, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	if len(s.failNext) > 0 {
		f := s.failNext[0]
		s.failNext = s.failNext[1:]
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, `{"__type":%q,"message":"injected"}`, f.Code)
		return
	}
	if s.noTasks > 0 {
		s.noTasks--
		fmt.Fprint(w, `{"tasks":[],"failures":[{"arn":"arn:aws:ecs:eu-west-2:123456789012:container-instance/x","reason":"RESOURCE:MEMORY","detail":"no capacity"}]}`)
		return
	}
	arn, ok := s.byToken[req.ClientToken]
	if !ok {
		arn = fmt.Sprintf("arn:aws:ecs:eu-west-2:123456789012:task/%s/%032d", req.Cluster, len(s.byToken)+1)
		s.byToken[req.ClientToken] = arn
	}
	fmt.Fprintf(w, `{"tasks":[{"taskArn":%q,"lastStatus":"PROVISIONING"}],"failures":[]}`, arn)
}

// client returns a real ECS client of this endpoint, without SDK retries.
func (s *ecsServer) client() *ecs.Client {
	return ecs.New(ecs.Options{
		Region:       "eu-west-2",
		BaseEndpoint: aws.String(s.srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   s.srv.Client(),
	})
}

func (s *ecsServer) runTasks() []ecsRunTask {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ecsRunTask(nil), s.requests...)
}

func (s *ecsServer) tasks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byToken)
}
