// Prints, as JSON, the pod kpack v0.17.2's controller would run for one Build of our builder.
// The pod comes from kpack's own code: a v1alpha2.Build handed to kpack's buildpod.Generator,
// which reads the builder image from the registry (stack id, run image, Platform APIs, CNB user
// and group) and calls Build.BuildPod, which picks the build pod or, for a STACK-only change,
// the rebase pod. What a cluster would answer (the service account) comes from a fake API server.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sfake "k8s.io/client-go/kubernetes/fake"

	buildapi "github.com/pivotal/kpack/pkg/apis/build/v1alpha2"
	corev1alpha1 "github.com/pivotal/kpack/pkg/apis/core/v1alpha1"
	"github.com/pivotal/kpack/pkg/buildchange"
	"github.com/pivotal/kpack/pkg/buildpod"
	"github.com/pivotal/kpack/pkg/registry"
)

const namespace = "default"

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// Registry credentials as the host's docker config holds them (the project's registry needs none);
// kpack's own factory reads them from the service account's secrets in the cluster.
type hostKeychain struct{}

func (hostKeychain) KeychainForSecretRef(context.Context, registry.SecretRef) (authn.Keychain, error) {
	return authn.NewMultiKeychain(authn.DefaultKeychain), nil
}

func main() {
	var (
		name           = flag.String("name", "app-build-1", "the Build's name")
		tag            = flag.String("tag", "", "the image to build (the Build's first tag)")
		builder        = flag.String("builder", "", "the builder image, in the registry")
		runImage       = flag.String("run-image", "", "the run image (the ClusterStack's, as the Image controller sets it)")
		cacheTag       = flag.String("cache-tag", "", "the registry cache image")
		blobURL        = flag.String("blob-url", "", "the app source, a .tar.gz blob")
		lastImage      = flag.String("last-image", "", "the previous build's image (from its completion metadata)")
		lastCacheImage = flag.String("last-cache-image", "", "the previous build's cache image")
		lastStackID    = flag.String("last-stack-id", "", "the previous build's stack id")
		lastRunImage   = flag.String("last-run-image", "", "the previous build's run image: with -last-image, a STACK change (a rebase)")
		buildInit      = flag.String("build-init-image", "", "kpack's build-init image")
		completion     = flag.String("completion-image", "", "kpack's completion image")
		rebase         = flag.String("rebase-image", "", "kpack's rebase image")
		env            list
		services       list
	)
	flag.Var(&env, "env", "NAME=VALUE for the Build's env (repeatable)")
	flag.Var(&services, "service-secret", "a Secret bound to the build as a service binding (repeatable)")
	flag.Parse()

	build := &buildapi.Build{
		ObjectMeta: metav1.ObjectMeta{Name: *name, Namespace: namespace, Annotations: map[string]string{}},
		Spec: buildapi.BuildSpec{
			Tags:               []string{*tag},
			Builder:            corev1alpha1.BuildBuilderSpec{Image: *builder},
			ServiceAccountName: "default",
			Source:             corev1alpha1.SourceConfig{Blob: &corev1alpha1.Blob{URL: *blobURL}},
			Cache:              &buildapi.BuildCacheConfig{Registry: &buildapi.RegistryCache{Tag: *cacheTag}},
			RunImage:           buildapi.BuildSpecImage{Image: *runImage},
		},
	}
	for _, pair := range env {
		key, value, _ := strings.Cut(pair, "=")
		build.Spec.Env = append(build.Spec.Env, corev1.EnvVar{Name: key, Value: value})
	}
	for _, secret := range services {
		build.Spec.Services = append(build.Spec.Services, corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Name: secret})
	}
	if *lastImage != "" {
		build.Spec.LastBuild = &buildapi.LastBuild{
			Image: *lastImage, Cache: buildapi.BuildCache{Image: *lastCacheImage}, StackId: *lastStackID,
		}
	}
	if *lastRunImage != "" {
		// What kpack's Image reconciler records when only the run image changed.
		summary, err := buildchange.NewChangeProcessor().Process(buildchange.NewStackChange(*lastRunImage, *runImage)).Summarize()
		fail(err)
		build.Annotations[buildapi.BuildReasonAnnotation] = summary.ReasonsStr
		build.Annotations[buildapi.BuildChangesAnnotation] = summary.ChangesStr
	}

	generator := &buildpod.Generator{
		BuildPodConfig: buildapi.BuildPodImages{BuildInitImage: *buildInit, CompletionImage: *completion, RebaseImage: *rebase},
		K8sClient: k8sfake.NewSimpleClientset(&corev1.ServiceAccount{
			ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: namespace},
		}),
		KeychainFactory: hostKeychain{},
		ImageFetcher:    &registry.Client{},
	}
	pod, err := generator.Generate(context.Background(), build)
	fail(err)
	out, err := json.MarshalIndent(pod, "", " ")
	fail(err)
	fmt.Println(string(out))
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "kpack-pod:", err)
		os.Exit(1)
	}
}
